{#- numerator / denominator as a double, null (not 0, not an error) when the
    denominator is 0 or null. Rates and ratios use it. -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
{%- endmacro %}
