{#- Lists the rows converted with a fallback FX rate (the seed lacks the
    amount's month: the nearest earlier month's rate, else the earliest later
    one, int_fx_rates_by_month). Applied as a warning: the amounts are right to
    the seed's best knowledge, and the rows say which month's rate they used. -#}
{% test fx_rate_from_its_own_month(model) %}

select *
from {{ model }}
where fx_rate_source in ('nearest_earlier', 'earliest_later')

{% endtest %}
