{#- Integer minor units (cents, whole yen, fils) to a major-unit decimal, by the
    currency's ISO 4217 exponent (never a blanket / 100). -#}
{% macro minor_to_major(amount_minor, exponent) -%}
    cast({{ amount_minor }} as {{ dbt.type_numeric() }})
    / cast(power(10, {{ exponent }}) as {{ dbt.type_numeric() }})
{%- endmacro %}
