{#- Postgres: aggregate and join by hashing rather than by sorting, in the model being built
    (this transaction only). Where the planner cannot estimate a model's rows (rows spread over
    days by a join on a range, CTEs joined on several keys) it expects a thousand where there are
    millions, and sorts them on disk to group them into a few thousand groups that a hash table
    holds in memory, or merge-joins them with rescans. Switching sorts off makes it hash wherever it
    can; a window function still sorts, having no other way. Set per model, where measured: for
    every model at once it made the build slower (BENCHMARKS.md). Other engines choose by their
    own estimates. -#}
{% macro prefer_hash_aggregation() -%}
    {%- if target.type == 'postgres' -%}
        set local enable_sort = off
    {%- endif -%}
{%- endmacro %}
