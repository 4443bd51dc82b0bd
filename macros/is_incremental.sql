{#- dbt's is_incremental(), except that `make lint` can force it true
    (WAREHOUSE_LINT_INCREMENTAL=true) so sqlfluff also lints every incremental
    model's incremental branch, against a throwaway database where no table
    exists yet. Any other run gets dbt's own answer. -#}
{% macro is_incremental() -%}
    {%- if env_var('WAREHOUSE_LINT_INCREMENTAL', '') == 'true' -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{%- endmacro %}
