{#- Postgres: aggregate by hashing rather than by sorting, in the model being built (this
    transaction only). The planner cannot estimate rows spread over days by a join on a range
    (it expects a thousand where there are tens of millions), so it sorts them all, on disk, to
    group them into a few thousand groups that a hash table holds in memory. Switching sorts off
    makes it hash wherever it can; a window function still sorts, having no other way. Other
    engines choose by their own estimates. -#}
{% macro prefer_hash_aggregation() -%}
    {%- if target.type == 'postgres' -%}
        set local enable_sort = off
    {%- endif -%}
{%- endmacro %}
