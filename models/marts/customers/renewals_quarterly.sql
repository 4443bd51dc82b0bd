{#- Renewals per tenant, quarter and plan term: billing terms (paid service
    periods of a subscription, trials excluded) ending in the quarter, how
    many were renewed (the subscription's next paid period starts within 7
    days of the end) and the renewal rate over the terms already decided
    (renewed, or their 7-day renewal week ended before as_of_date). The running
    quarter and the quarters ahead (terms not yet ended) are shown with
    is_complete false. -#}
with

lines as (select * from {{ ref('int_invoice_lines_normalised_to_months') }}),

terms as (
    select distinct
        tenant_id,
        subscription_id,
        recurring_interval,
        recurring_interval_count,
        service_start_date,
        service_end_date
    from lines
    where net_amount > 0
),

with_next as (
    select
        terms.*,
        lead(terms.service_start_date) over (
            partition by terms.tenant_id, terms.subscription_id order by terms.service_start_date
        ) as next_start_date
    from terms
),

with_outcome as (
    select
        tenant_id,
        service_end_date,
        recurring_interval,
        recurring_interval_count,
        next_start_date is not null
        and next_start_date <= cast({{ dbt.dateadd('day', 7, 'service_end_date') }} as date) as is_renewed,
        -- the 7-day renewal week is over: every day of it lies before as_of_date
        cast({{ dbt.dateadd('day', 7, 'service_end_date') }} as date) < {{ as_of_date() }} as is_week_over
    from with_next
),

classified as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('quarter', 'service_end_date') }} as date) as quarter,
        {{ dbt.concat(["cast(recurring_interval_count as " ~ dbt.type_string() ~ ")", "' '",
                       "recurring_interval"]) }} as plan_term,
        is_renewed or is_week_over as is_decided,
        is_renewed
    from with_outcome
),

by_quarter as (
    select
        tenant_id,
        quarter,
        plan_term,
        count(*) as renewals_due,
        sum(case when is_decided then 1 else 0 end) as renewals_decided,
        sum(case when is_decided and is_renewed then 1 else 0 end) as renewed,
        sum(case when is_decided and not is_renewed then 1 else 0 end) as not_renewed,
        sum(case when not is_decided then 1 else 0 end) as upcoming
    from classified
    group by 1, 2, 3
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'quarter', 'plan_term']) }} as renewal_key,
        by_quarter.tenant_id,
        by_quarter.quarter,
        {{ is_complete_period('by_quarter.quarter', 'quarter') }} as is_complete,
        by_quarter.plan_term,
        by_quarter.renewals_due,
        by_quarter.renewals_decided,
        by_quarter.renewed,
        by_quarter.not_renewed,
        by_quarter.upcoming,
        {{ safe_divide('by_quarter.renewed', 'by_quarter.renewals_decided') }} as renewal_rate
    from by_quarter
)

select * from final
