{#- numerator / denominator, null (not 0, not an error) when the denominator
    is 0 or null. Always a decimal division, also for integer inputs. -#}
{% macro safe_divide(numerator, denominator) -%}
    (1.0 * ({{ numerator }})) / nullif({{ denominator }}, 0)
{%- endmacro %}
