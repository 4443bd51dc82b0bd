{#- SCD2 validity windows [dbt_valid_from, dbt_valid_to) of one key never
    overlap and never run backwards. -#}
{% test no_overlapping_validity(model, key) %}

with

ordered as (
    select
        {{ key }} as snapshot_key,
        dbt_valid_from,
        dbt_valid_to,
        lead(dbt_valid_from) over (
            partition by {{ key }} order by dbt_valid_from
        ) as next_valid_from
    from {{ model }}
)

select *
from ordered
where
    dbt_valid_to < dbt_valid_from
    or (next_valid_from is not null and dbt_valid_to is null)
    or next_valid_from < dbt_valid_to

{% endtest %}
