{#- Stops an incremental run whose input history changed under it, with one line saying
    what to run, instead of adding new rows on top of a history that is gone: an incremental
    run only reads rows loaded after the newest _loaded_at it holds, so a replaced or
    truncated raw table would otherwise leave it silently stale.
    The input's history changed when its newest _loaded_at is older than the one held here
    (truncated, or replaced by an older load), or, with key_columns, when the keys it loaded
    up to that watermark are no longer exactly the keys held here (keys vanished, or rows
    appeared in the past: a replaced history, or a backfill stamped with an old _loaded_at).
    `upstream` may be a list of relations (a model built from several incremental
    inputs, its _loaded_at the newest of theirs): their newest _loaded_at is then the
    newest of all, and key_columns is not allowed.
    Runs only in a real incremental run (dbt.is_incremental(), never the lint-forced one),
    before the model's SQL; not in a unit test, whose inputs are fixtures and whose refs
    are CTEs that cannot be queried on their own. -#}
{% macro assert_incremental_source_unchanged(upstream, key_columns=none) -%}
{%- if execute and model.resource_type != 'unit_test' and dbt.is_incremental() -%}
    {%- set upstreams = [upstream] if upstream.identifier is defined else upstream -%}
    {%- if upstreams | length > 1 and key_columns -%}
        {{ exceptions.raise_compiler_error("assert_incremental_source_unchanged: key_columns with one upstream only") }}
    {%- endif -%}
    {%- set key_match = [] -%}
    {%- for col in key_columns or [] -%}
        {%- do key_match.append('upstream_keys.' ~ col ~ ' = held_keys.' ~ col) -%}
    {%- endfor -%}
    {%- set check_sql -%}
        with

        held as (select max(_loaded_at) as watermark from {{ this }}),

        upstream as (
            select max(newest) as newest
            from (
                {%- for relation in upstreams %}
                select max(_loaded_at) as newest from {{ relation }}
                {%- if not loop.last %}
                union all
                {%- endif %}
                {%- endfor %}
            ) as loads
        )
        {%- if key_columns %},

        upstream_keys as (
            select distinct
                tenant_id,
                {{ key_columns | join(', ') }}
            from {{ upstream }}
            where
                _loaded_at <= (select watermark from held)
                {%- for col in key_columns %}
                and {{ col }} is not null
                {%- endfor %}
        ),

        held_keys as (
            select
                tenant_id,
                {{ key_columns | join(', ') }}
            from {{ this }}
            where
                {% for col in key_columns -%}
                {{ col }} is not null{% if not loop.last %} and {% endif %}
                {%- endfor %}
        ),

        differing as (
            select count(*) as differing_keys
            from upstream_keys
            full outer join held_keys
                on
                    upstream_keys.tenant_id = held_keys.tenant_id
                    and {{ key_match | join(' and ') }}
            where upstream_keys.tenant_id is null or held_keys.tenant_id is null
        )
        {%- endif %}

        select
            held.watermark,
            upstream.newest,
            {% if key_columns -%}
            differing.differing_keys
            {%- else -%}
            0 as differing_keys
            {%- endif %}
        from held
        cross join upstream
        {%- if key_columns %}
        cross join differing
        {%- endif %}
    {%- endset -%}
    {%- set row = run_query(check_sql).rows[0] -%}
    {%- set watermark, newest, differing_keys = row[0], row[1], row[2] -%}
    {%- if watermark is not none and (newest is none or newest < watermark or differing_keys > 0) -%}
        {{ exceptions.raise_compiler_error(
            upstreams | join(', ') ~ " changed under the incremental model " ~ this ~ " (newest _loaded_at " ~ newest
            ~ " vs " ~ watermark ~ " held, " ~ differing_keys ~ " keys differ up to it): its history was"
            ~ " replaced or truncated, so rebuild from it: dbt build --full-refresh --select "
            ~ model.name ~ "+"
        ) }}
    {%- endif -%}
{%- endif -%}
{%- endmacro %}
