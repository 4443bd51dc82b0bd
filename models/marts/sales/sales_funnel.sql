{#- Lead funnel per tenant, lead cohort month (month of creation) and source:
    leads reaching each stage ever (fct_leads' implied flags), each step's
    conversion from the stage before (null when that stage is 0) and the
    overall lead-to-customer rate; and how fast leads were first contacted.
    The running month's cohort is shown as it fills, with is_complete false. -#}
with

leads as (select * from {{ ref('fct_leads') }}),

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
        avg(hours_to_first_contact) as avg_hours_to_first_contact
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
        counts.avg_hours_to_first_contact,
        {{ safe_divide('contacted', 'leads') }} as contacted_rate,
        {{ safe_divide('qualified', 'contacted') }} as qualified_rate,
        {{ safe_divide('proposal', 'qualified') }} as proposal_rate,
        {{ safe_divide('won', 'proposal') }} as won_rate,
        {{ safe_divide('customer', 'won') }} as customer_rate,
        {{ safe_divide('customer', 'leads') }} as lead_to_customer_rate
    from counts
)

select * from final
