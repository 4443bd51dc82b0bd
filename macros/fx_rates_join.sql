{#- The one join of an amount's row to its rate: int_fx_rates_by_month at the
    amount's currency and the month it belongs to (alias fx_rates, which
    to_usd reads). The rates cover every currency of seed currencies and every
    month an amount can belong to, so the left join never drops a row and never
    leaves a rate null (the build stops at every_currency_has_an_fx_rate
    first). Written for a FROM clause indented by four spaces. -#}
{% macro fx_rates_join(currency, month) -%}
left join {{ ref('int_fx_rates_by_month') }} as fx_rates
        on {{ currency }} = fx_rates.currency_code
        and {{ month }} = fx_rates.month
{%- endmacro %}
