-- last_complete_month() is the latest month the period rule (is_complete_period) calls
-- complete: it is complete and the month after it is not. Returns a row on failure.
with

months as (
    select
        cast({{ last_complete_month() }} as date) as last_complete,
        cast({{ dbt.dateadd('month', 1, last_complete_month()) }} as date) as next_month
)

select 'last_complete_month is not the latest complete month' as problem
from months
where not {{ is_complete_period('months.last_complete', 'month') }}
    or {{ is_complete_period('months.next_month', 'month') }}
