{#- True when a date or timestamp is absurd for the warehouse: before var
    earliest_valid_date (default 1970-01-01) in any listed column, or, in an
    event column (something that has happened: created, placed, paid,
    occurred), later than as_of_date + 1 day (one day of slack for time zones
    ahead of UTC). Columns that may lie ahead by nature (period ends, trial
    ends, expected close dates) go in `other_columns`: only the floor applies.
    Staging quarantines such rows with reason out_of_range
    (docs/contracts/bad_input.md). -#}
{% macro out_of_range_dates(prefix, event_columns, other_columns=[]) -%}
    {%- set floor = "cast('" ~ var('earliest_valid_date') ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set ceiling = "cast(" ~ dbt.dateadd('day', 2, as_of_date()) ~ " as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set conditions = [] -%}
    {%- for col in event_columns -%}
        {%- set value = "cast(" ~ prefix ~ col ~ " as " ~ dbt.type_timestamp() ~ ")" -%}
        {%- do conditions.append(value ~ " < " ~ floor ~ " or " ~ value ~ " >= " ~ ceiling) -%}
    {%- endfor -%}
    {%- for col in other_columns -%}
        {%- do conditions.append("cast(" ~ prefix ~ col ~ " as " ~ dbt.type_timestamp() ~ ") < " ~ floor) -%}
    {%- endfor -%}
    ({{ conditions | join('\n        or ') }})
{%- endmacro %}
