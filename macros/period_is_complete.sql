{#- Whether a reporting period is over: its last day is before as_of_date, so
    no later data can land in it. A period that is not complete is shown but
    marked, and its growth compares part of a period with a whole one. -#}
{% macro period_is_complete(last_day_expression) -%}
    ({{ last_day_expression }} < {{ as_of_date() }})
{%- endmacro %}
