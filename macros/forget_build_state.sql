{#- on-run-start: drop the record of the last successful `warehouse build` (orchestration/build_state.py).
    A run that changes any table makes the record stale; `warehouse build` writes it again only after
    its dbt build succeeded, so a failed or killed build, or dbt run by hand, leaves none and the next
    `warehouse build` builds everything. Only DuckDB and Postgres: `warehouse build` targets those. -#}
{% macro forget_build_state() -%}
    {%- if target.type in ('duckdb', 'postgres') -%}
        drop table if exists warehouse_meta.build_state
    {%- endif -%}
{%- endmacro %}
