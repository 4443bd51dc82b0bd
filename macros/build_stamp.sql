{#- When this run wrote a row: the run's start (UTC), the same for every row one dbt invocation
    writes. It never decides what a row holds, only which rows a later incremental run re-reads:
    a model downstream of an incremental one reads the rows rewritten since its own last build,
    whatever their load stamps say (a row rewritten because a table landed behind the others keeps
    an old _loaded_at). A column holding it is left out of every comparison across builds
    (orchestration/fingerprint.py BUILD_STAMPS). -#}
{% macro build_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
