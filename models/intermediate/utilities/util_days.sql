{#- Every day from 2015-01-01 up to the day before as_of_date. -#}
with

days as (
    {{ dbt.date_spine('day', "cast('2015-01-01' as date)", as_of_date()) | indent(4) }}
),

final as (
    select cast(date_day as date) as day
    from days
)

select * from final
