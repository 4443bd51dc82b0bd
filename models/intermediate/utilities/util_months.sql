{#- Every calendar month from 2010-01 through the last complete month before
    as_of_date: the spine that month-grain marts join to. -#}
with

months as (
    {{ month_spine("cast('2010-01-01' as date)", "cast(" ~ last_complete_month() ~ " as date)") | indent(4) }}
),

with_bounds as (
    select
        months.month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month')) }} as date) as month_end_date
    from months
)

select * from with_bounds
