{#- The warehouse's only clock. Returns the ISO date string of var `as_of_date`,
    or of the run's start (UTC) when the var is unset, and fails on anything
    that is not a YYYY-MM-DD date. -#}
{% macro as_of_date_string() -%}
    {%- set raw = var('as_of_date', '') | string | trim -%}
    {%- if raw in ('', 'None', 'none') -%}
        {%- set raw = run_started_at.strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- set valid = modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])-[0-9]{2}$', raw) is not none -%}
    {%- if valid -%}
        {#- the day must exist in that month (no 2026-02-30) -#}
        {%- set y, m, d = raw[0:4] | int, raw[5:7] | int, raw[8:10] | int -%}
        {%- set next_month = modules.datetime.date(y + (m // 12), m % 12 + 1, 1) -%}
        {%- set valid = 1 <= d <= (next_month - modules.datetime.timedelta(days=1)).day -%}
    {%- endif -%}
    {%- if not valid -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be a YYYY-MM-DD date, got '" ~ raw ~ "'") }}
    {%- endif -%}
    {{- raw -}}
{%- endmacro %}

{#- The as-of date as a SQL date literal. -#}
{% macro as_of_date() -%}
    cast('{{ as_of_date_string() }}' as date)
{%- endmacro %}
