{#- The warehouse's one rule for the running period: a period is complete when its last day is
    before as_of_date. True or false (null only for a null start). A mart either keeps only the
    periods where this holds or shows it as the boolean column `is_complete` (docs/periods.md). -#}
{% macro is_complete_period(period_start, grain) -%}
    ({{ period_end(period_start, grain) }} < {{ as_of_date() }})
{%- endmacro %}
