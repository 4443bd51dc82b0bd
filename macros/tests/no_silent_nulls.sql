{#- The mart's money and count columns are never null: a sum over no rows is 0,
    and an amount whose conversion failed must not vanish into a null. Returns
    each offending row with the columns that are null. Rates and averages, null
    by definition when their denominator is 0, are not listed. -#}
{% test no_silent_nulls(model, columns) %}

select
    *
from {{ model }}
where
    {% for col in columns -%}
        {{ col }} is null{% if not loop.last %} or {% endif %}
    {%- endfor %}

{% endtest %}
