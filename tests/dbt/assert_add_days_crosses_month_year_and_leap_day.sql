-- add_days gives the date a whole number of days later (or earlier), across month and year
-- ends, leap days and a column of 64-bit integers. Returns the cases that differ.
with

offsets as (
    select cast(1 as {{ dbt.type_bigint() }}) as one_day
),

cases as (
    select
        'leap day' as label,
        {{ add_days("cast('2024-02-28' as date)", 1) }} as actual,
        cast('2024-02-29' as date) as expected
    union all
    select
        'year end',
        {{ add_days("cast('2025-12-31' as date)", 1) }},
        cast('2026-01-01' as date)
    union all
    select
        'back over a leap day',
        {{ add_days("cast('2024-03-01' as date)", -90) }},
        cast('2023-12-02' as date)
    union all
    select
        'a 1990s date',
        {{ add_days("cast('1996-02-01' as date)", 30) }},
        cast('1996-03-02' as date)
    union all
    select
        'a bigint column',
        {{ add_days("cast('2026-11-30' as date)", 'offsets.one_day') }},
        cast('2026-12-01' as date)
    from offsets
)

select * from cases
where actual != expected or actual is null
