-- period_start_of gives the first day of the period holding a date: a Sunday's week starts on the
-- Monday before (not on that Sunday, as BigQuery's own week would), leap days and year ends included.
-- Returns the cases that differ.
with

cases as (
    select
        'day' as grain,
        {{ period_start_of("cast('2024-02-29' as date)", 'day') }} as actual,
        cast('2024-02-29' as date) as expected
    union all
    select
        'week (Sunday)',
        {{ period_start_of("cast('2026-12-06' as date)", 'week') }},
        cast('2026-11-30' as date)
    union all
    select
        'week (Monday)',
        {{ period_start_of("cast('2026-11-30' as date)", 'week') }},
        cast('2026-11-30' as date)
    union all
    select
        'month',
        {{ period_start_of("cast('2024-02-29' as date)", 'month') }},
        cast('2024-02-01' as date)
    union all
    select
        'quarter',
        {{ period_start_of("cast('2026-12-31' as date)", 'quarter') }},
        cast('2026-10-01' as date)
    union all
    select
        'year',
        {{ period_start_of("cast('2025-12-31' as date)", 'year') }},
        cast('2025-01-01' as date)
)

select * from cases
where actual != expected
