-- period_end gives the last day of each grain, leap February and year ends included.
-- Returns the cases that differ.
with

cases as (
    select
        'day' as grain,
        {{ period_end("cast('2024-02-29' as date)", 'day') }} as actual,
        cast('2024-02-29' as date) as expected
    union all
    select
        'week',
        {{ period_end("cast('2026-11-30' as date)", 'week') }},
        cast('2026-12-06' as date)
    union all
    select
        'month',
        {{ period_end("cast('2024-02-01' as date)", 'month') }},
        cast('2024-02-29' as date)
    union all
    select
        'quarter',
        {{ period_end("cast('2026-10-01' as date)", 'quarter') }},
        cast('2026-12-31' as date)
    union all
    select
        'year',
        {{ period_end("cast('2025-01-01' as date)", 'year') }},
        cast('2025-12-31' as date)
)

select * from cases
where actual != expected
