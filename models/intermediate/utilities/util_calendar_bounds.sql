{#- One row: the earliest relevant day in staging, across every source, and
    the as-of date. Every calendar spine starts here, so history of any era
    (1990s included) is covered and nothing hard-codes a year. Dates before
    1970 or after as_of_date + 1 day never get this far: staging quarantines
    them as out_of_range. Per-tenant models start their own rows at the
    tenant's first activity. -#}
with

earliest_by_source as (
    select min(cast(period_start_at as date)) as first_day from {{ ref('stg_billing__invoice_line_items') }}
    union all
    select min(cast(started_at as date)) from {{ ref('stg_billing__subscriptions') }}
    union all
    -- invoices and payments: cash_daily's days start at a tenant's first one
    select min(cast(created_at as date)) from {{ ref('stg_billing__invoices') }}
    union all
    select min(cast(created_at as date)) from {{ ref('stg_billing__payments') }}
    union all
    select min(cast(created_at as date)) from {{ ref('stg_crm__leads') }}
    union all
    select min(cast(created_at as date)) from {{ ref('stg_crm__opportunities') }}
    union all
    select min(cast(created_at as date)) from {{ ref('stg_crm__accounts') }}
    union all
    select min(scored_on) from {{ ref('stg_crm__health_scores') }}
    union all
    select min(cast(placed_at as date)) from {{ ref('stg_commerce__orders') }}
    union all
    select min(spend_date) from {{ ref('stg_commerce__marketing_spend') }}
    union all
    -- sessions, not raw events: the same earliest day (a session starts at its first event) from a
    -- table a fraction of the clickstream's size, so the calendar never rescans every web event
    select min(session_date) from {{ ref('int_web_sessions') }}
    union all
    -- messaging: a conversation starts at its first message; contacts can predate both
    select min(cast(started_at as date)) from {{ ref('stg_messaging__conversations') }}
    union all
    select min(cast(created_at as date)) from {{ ref('stg_messaging__contacts') }}
),

final as (
    select
        min(first_day) as first_day,
        {{ as_of_date() }} as as_of_date
    from earliest_by_source
)

select * from final
