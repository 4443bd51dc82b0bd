{#- Every calendar month from the earliest relevant month in staging
    (util_calendar_bounds) through the last complete month before
    as_of_date: the spine that month-grain marts join to. -#}
with

bounds as (select * from {{ ref('util_calendar_bounds') }}),

months as (
    {{ month_spine(
        "(select cast(" ~ dbt.date_trunc('month', 'first_day') ~ " as date) from bounds)",
        "cast(" ~ last_complete_month() ~ " as date)") | indent(4) }}
),

with_bounds as (
    select
        months.month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month')) }} as date) as month_end_date
    from months
)

select * from with_bounds
