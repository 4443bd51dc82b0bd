{#- Every listed rate is null or between 0 and 1: a rate whose numerator is
    not a subset of its denominator shows up here. Returns the offending rows. -#}
{% test rates_within_unit_interval(model, columns) %}

select
    *
from {{ model }}
where
    {% for col in columns -%}
        {{ col }} < 0 or {{ col }} > 1{% if not loop.last %} or {% endif %}
    {%- endfor %}

{% endtest %}
