{#- An SCD2 table has at most one current version (dbt_valid_to null) per key. -#}
{% test one_current_row_per_key(model, key) %}

select
    {{ key }},
    count(*) as current_rows
from {{ model }}
where dbt_valid_to is null
group by {{ key }}
having count(*) > 1

{% endtest %}
