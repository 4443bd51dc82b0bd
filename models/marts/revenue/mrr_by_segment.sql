{#- MRR, ARR, active customers and ARPA per tenant, month and customer segment
    (smb / mid_market / enterprise / unknown, from the CRM account's current
    employee count). Segments sum to mrr_monthly.ending_mrr. -#}
with

fct_mrr as (select * from {{ ref('fct_mrr') }}),

customers as (select * from {{ ref('int_billing_customers_linked') }}),

by_segment as (
    select
        fct_mrr.tenant_id,
        fct_mrr.month,
        coalesce(customers.segment, 'unknown') as segment,
        sum(fct_mrr.mrr) as mrr,
        sum(case when fct_mrr.is_active then 1 else 0 end) as active_customers
    from fct_mrr
    left join customers
        on fct_mrr.tenant_id = customers.tenant_id
        and fct_mrr.customer_id = customers.customer_id
    where fct_mrr.is_active
    group by 1, 2, 3
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'month', 'segment']) }} as tenant_month_segment_key,
        tenant_id,
        month,
        segment,
        {{ as_money('mrr') }} as mrr,
        {{ as_money('mrr * 12') }} as arr,
        active_customers,
        {{ safe_divide('mrr', 'active_customers') }} as arpa
    from by_segment
)

select * from final
