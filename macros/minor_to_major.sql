{#- Integer minor units (cents, whole yen, fils) to a major-unit decimal, by the
    currency's ISO 4217 exponent (never a blanket / 100). The result has four
    decimals on every engine: enough for every exponent (at most 3). -#}
{% macro minor_to_major(amount_minor, exponent) -%}
    cast(
        cast({{ amount_minor }} as {{ dbt.type_numeric() }})
        / cast(power(10, {{ exponent }}) as {{ dbt.type_numeric() }})
        as numeric(18, 4)
    )
{%- endmacro %}
