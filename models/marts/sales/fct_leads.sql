{#- One row per lead, as int_leads_enriched computes it (stage timestamps,
    the implied stage flags, opportunity outcome, linked account and billing
    customer). -#}
-- BigQuery: partitioned by cohort_month (a partition per month),
-- clustered by tenant (then lead_source): a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'cohort_month', 'data_type': 'date', 'granularity': 'month'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'lead_source'] if target.type == 'bigquery' else none),
    )
}}
with

leads as (select * from {{ ref('int_leads_enriched') }}),

final as (
    select
        leads.lead_key,
        leads.tenant_id,
        leads.lead_id,
        leads.lead_source,
        leads.status,
        leads.lead_score,
        leads.owner_user_id,
        leads.email,
        leads.company_name,
        leads.created_at,
        leads.cohort_month,
        leads.first_contacted_at,
        leads.qualified_at,
        leads.proposal_at,
        leads.won_at,
        leads.converted_at,
        leads.first_paid_month,
        leads.is_contacted,
        leads.is_qualified,
        leads.has_proposal,
        leads.is_won,
        leads.is_customer,
        leads.opportunities,
        leads.opportunity_outcome,
        leads.won_amount_usd,
        leads.hours_to_first_contact,
        leads.days_to_qualification,
        leads.days_lead_to_won,
        leads.account_id,
        leads.customer_id,
        leads.billing_customers
    from leads
)

select * from final
