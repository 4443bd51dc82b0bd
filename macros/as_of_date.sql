{#- The warehouse's only clock. Returns the ISO date string of var `as_of_date`,
    or of the run's start (UTC) when the var is unset, and fails on anything
    that is not a YYYY-MM-DD date. -#}
{% macro as_of_date_string() -%}
    {%- set raw = var('as_of_date', '') | string | trim -%}
    {%- if raw in ('', 'None', 'none') -%}
        {%- set raw = run_started_at.strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', raw) -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be a YYYY-MM-DD date, got '" ~ raw ~ "'") }}
    {%- endif -%}
    {%- do modules.datetime.datetime.strptime(raw, '%Y-%m-%d') -%}
    {{- raw -}}
{%- endmacro %}

{#- The as-of date as a SQL date literal. -#}
{% macro as_of_date() -%}
    cast('{{ as_of_date_string() }}' as date)
{%- endmacro %}
