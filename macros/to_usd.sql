{#- An amount in its own currency, in USD: amount x the rate that
    fx_rates_join found for its row. Unrounded: the caller rounds with
    as_money where it stores money. -#}
{% macro to_usd(amount) -%}
    ({{ amount }}) * fx_rates.rate_to_usd
{%- endmacro %}
