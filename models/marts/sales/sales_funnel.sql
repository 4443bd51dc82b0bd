{#- Lead funnel per tenant, lead cohort month (month of creation) and source:
    leads reaching each stage ever (the implied flags of int_leads_enriched,
    which fct_leads publishes), each step's
    conversion from the stage before (null when that stage is 0) and the
    overall lead-to-customer rate; and how fast leads were first contacted.
    The running month's cohort is shown as it fills, with is_complete false. -#}
with

leads as (select * from {{ ref('int_leads_enriched') }}),

counts as (
    select
        tenant_id,
        cohort_month,
        lead_source,
        count(*) as leads,
        sum(case when is_contacted then 1 else 0 end) as contacted,
        sum(case when is_qualified then 1 else 0 end) as qualified,
        sum(case when has_proposal then 1 else 0 end) as proposal,
        sum(case when is_won then 1 else 0 end) as won,
        sum(case when is_customer then 1 else 0 end) as customer,
        -- the parts of the average, so any set of cohorts rolls up: sum / count
        coalesce(sum(hours_to_first_contact), 0) as hours_to_first_contact_sum,
        count(hours_to_first_contact) as leads_with_first_contact_at
    from leads
    group by tenant_id, cohort_month, lead_source
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'cohort_month', 'lead_source']) }} as funnel_key,
        counts.tenant_id,
        counts.cohort_month,
        {{ is_complete_period('counts.cohort_month', 'month') }} as is_complete,
        counts.lead_source,
        counts.leads,
        counts.contacted,
        counts.qualified,
        counts.proposal,
        counts.won,
        counts.customer,
        counts.hours_to_first_contact_sum,
        counts.leads_with_first_contact_at,
        {{ safe_divide('hours_to_first_contact_sum', 'leads_with_first_contact_at') }} as avg_hours_to_first_contact,
        {{ safe_divide('contacted', 'leads') }} as contacted_rate,
        {{ safe_divide('qualified', 'contacted') }} as qualified_rate,
        {{ safe_divide('proposal', 'qualified') }} as proposal_rate,
        {{ safe_divide('won', 'proposal') }} as won_rate,
        {{ safe_divide('customer', 'won') }} as customer_rate,
        {{ safe_divide('customer', 'leads') }} as lead_to_customer_rate
    from counts
)

select * from final
