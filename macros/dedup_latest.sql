{#- Keeps the latest version of each key from an at-least-once, append-only load:
    greatest of the order columns first (nulls last), the rest as tie-breakers.
    Rows whose key is null or blank are all kept (they are quarantined, one by one).
    Adds column _version_rank (1 for the kept version) and _tied_versions: how
    many versions share the kept one's key and order columns (> 1 means the load
    holds conflicting versions the order columns cannot tell apart). -#}
{% macro dedup_latest(relation, key_columns, order_columns) -%}
    select *
    from (
        select
            *,
            row_number() over versions as _version_rank,
            {{ adapter.dispatch('tied_versions_count')('versions', key_columns, order_columns) }} as _tied_versions
        from {{ relation }}
        window versions as (
            partition by {{ key_columns | join(', ') }}
            order by
            {%- for col in order_columns %}
                {{ col }} desc nulls last{{ ',' if not loop.last }}
            {%- endfor %}
        )
    ) as ranked
    where
        _version_rank = 1
        {%- for col in key_columns %}
        or {{ col }} is null
        or trim(cast({{ col }} as {{ dbt.type_string() }})) = ''
        {%- endfor %}
{%- endmacro %}


{#- The number of rows sharing this row's key and order columns: its peers in the
    versions window. One window over one sort on DuckDB and Postgres (a separate
    partition by key and order columns sorted the largest raw tables twice). -#}
{% macro default__tied_versions_count(window_name, key_columns, order_columns) -%}
    count(*) over ({{ window_name }} range between current row and current row)
{%- endmacro %}

{#- BigQuery allows a RANGE frame over a single ORDER BY expression only. -#}
{% macro bigquery__tied_versions_count(window_name, key_columns, order_columns) -%}
    count(*) over (partition by {{ (key_columns + order_columns) | join(', ') }})
{%- endmacro %}
