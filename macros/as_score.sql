{#- A 0-100 score from a weighted sum of shares (each 0-1): round(100 x sum)
    as an integer. The sum is cast to numeric before rounding so halves round
    away from zero on every engine (a double rounds half to even on Postgres,
    and 100 x 0.075 is 7.4999... as a double). -#}
{% macro as_score(weighted_sum) -%}
    cast(round(cast(100 * ({{ weighted_sum }}) as numeric(18, 6)), 0) as {{ dbt.type_int() }})
{%- endmacro %}
