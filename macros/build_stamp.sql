{#- When this run wrote a row: the run's start (UTC), the same for every row one dbt invocation
    writes. It never decides what a row holds, only which rows a later incremental run re-reads:
    a model downstream of an incremental one reads the rows rewritten since its own last build,
    whatever their load stamps say (a row rewritten because a table landed behind the others keeps
    an old _loaded_at). A column holding it is left out of every comparison across builds
    (orchestration/fingerprint.py BUILD_STAMPS). -#}
{% macro build_stamp() -%}
    {{ return(adapter.dispatch('build_stamp')(run_started_at)) }}
{%- endmacro %}

{% macro default__build_stamp(started) -%}
    cast('{{ started.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Microseconds since the epoch, the same instant: the BigQuery emulator's rewrite of decimal
    literals also rewrites the "06.301909" inside a timestamp string when the query divides. -#}
{% macro bigquery__build_stamp(started) -%}
    {%- set utc = started.replace(tzinfo=modules.pytz.utc) -%}
    timestamp_micros({{ (utc.timestamp() | int) * 1000000 + utc.microsecond }})
{%- endmacro %}
