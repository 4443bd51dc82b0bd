{#- The warehouse's one rule for the running period: a period is complete when its last day is
    before as_of_date. True or false (null only for a null start). A mart either keeps only the
    periods where this holds or shows it as the boolean column `is_complete` (docs/periods.md).
    is_complete_period takes a period's start and grain; period_is_complete its last day, for
    models whose rows carry periods of several grains (messaging_snapshots). The comparison is
    written once, in period_is_complete. -#}
{% macro is_complete_period(period_start, grain) -%}
    {{ period_is_complete(period_end(period_start, grain)) }}
{%- endmacro %}

{% macro period_is_complete(last_day_expression) -%}
    ({{ last_day_expression }} < {{ as_of_date() }})
{%- endmacro %}
