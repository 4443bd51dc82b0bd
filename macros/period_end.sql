{#- Last day (a date) of the period of `grain` (day, week, month, quarter, year) that starts on
    the date `period_start`. Weeks are counted in days and quarters and years in months, so the
    one dbt.dateadd means the same on DuckDB, Postgres and BigQuery (Postgres has no quarter
    interval). -#}
{% macro period_end(period_start, grain) -%}
    {%- set steps = {
        'day': ('day', 1),
        'week': ('day', 7),
        'month': ('month', 1),
        'quarter': ('month', 3),
        'year': ('month', 12),
    } -%}
    {%- if grain not in steps -%}
        {{ exceptions.raise_compiler_error(
            "period grain must be one of " ~ (steps.keys() | list | join(', ')) ~ ", got '" ~ grain ~ "'") }}
    {%- endif -%}
    {%- set unit, length = steps[grain] -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd(unit, length, period_start)) }} as date)
{%- endmacro %}

{#- First day (a date) of the period of `grain` holding the date `date_expression`: the day itself,
    its Monday (week_start: BigQuery's weeks otherwise start on Sunday), or the first of its month,
    quarter or year. -#}
{% macro period_start_of(date_expression, grain) -%}
    {%- if grain == 'day' -%}
        cast({{ date_expression }} as date)
    {%- elif grain == 'week' -%}
        {{ week_start(date_expression) }}
    {%- elif grain in ('month', 'quarter', 'year') -%}
        cast({{ dbt.date_trunc(grain, date_expression) }} as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "period grain must be one of day, week, month, quarter, year, got '" ~ grain ~ "'") }}
    {%- endif -%}
{%- endmacro %}
