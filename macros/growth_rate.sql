{#- Growth versus the previous period (docs/contracts/marts.md, Messaging):
    (current − previous) / previous as a double, null when the previous is 0
    or missing. -#}
{% macro growth_rate(current, previous) -%}
    {{ safe_divide(current ~ ' - ' ~ previous, previous) }}
{%- endmacro %}
