{#- The rows of a gap-filled period grid: every distinct combination of the
    key columns found in any of the given CTEs (union distinct: a period with
    only one kind of fact still gets its row), through the last complete
    month. The model left-joins each CTE back on keys_match and coalesces its
    additive measures to 0. Written for the body of a CTE indented by four. -#}
{% macro complete_period_keys(ctes, key_columns, period_column='month') -%}
select
        {{ key_columns | join(',\n        ') }}
    from (
        {%- for cte in ctes %}
        select
            {{ key_columns | join(',\n            ') }}
        from {{ cte }}
        {%- if not loop.last %}
        union distinct
        {%- endif %}
        {%- endfor %}
    ) as period_facts
    where {{ period_column }} <= {{ last_complete_month() }}
{%- endmacro %}
