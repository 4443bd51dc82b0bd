{#- One row per opportunity, as int_opportunities_enriched computes it (state
    flags, USD amount and weighted amount, sales cycle, days open). -#}
-- BigQuery: partitioned by created_at (a partition per month),
-- clustered by tenant (then opportunity_type): a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'created_at', 'data_type': 'timestamp', 'granularity': 'month'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'opportunity_type'] if target.type == 'bigquery' else none),
    )
}}
with

opportunities as (select * from {{ ref('int_opportunities_enriched') }}),

final as (
    select
        opportunities.opportunity_key,
        opportunities.opportunity_id,
        opportunities.tenant_id,
        opportunities.account_id,
        opportunities.lead_id,
        opportunities.owner_user_id,
        opportunities.opportunity_name,
        opportunities.opportunity_type,
        opportunities.amount,
        opportunities.currency,
        opportunities.stage,
        opportunities.probability,
        opportunities.created_at,
        opportunities.expected_close_date,
        opportunities.closed_at,
        opportunities.lost_reason,
        opportunities.updated_at,
        opportunities._loaded_at,
        opportunities.is_open,
        opportunities.is_won,
        opportunities.is_lost,
        opportunities.closed_month,
        opportunities.created_month,
        opportunities.amount_month,
        opportunities.fx_rate_month,
        opportunities.fx_rate_source,
        opportunities.amount_usd,
        opportunities.weighted_amount_usd,
        opportunities.lead_created_at,
        opportunities.sales_cycle_days,
        opportunities.days_open
    from opportunities
)

select * from final
