{#- The win rate: won / (won + lost) of the deals closed in a period, null
    when none closed. Open deals are pipeline, not losses. Pass counts for the
    rate by count, USD amounts for the rate by amount. -#}
{% macro win_rate(won, lost) -%}
    {{ safe_divide(won, won ~ ' + ' ~ lost) }}
{%- endmacro %}
