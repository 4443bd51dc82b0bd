{#- One row per store order, as int_orders_enriched computes it (paid flag,
    USD amounts, refunds, cost, margin, the customer's paid-order sequence and
    type), with the mart's surrogate key. -#}
-- BigQuery: partitioned by order_date (a partition per day),
-- clustered by tenant (then status): a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'order_date', 'data_type': 'date'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'status'] if target.type == 'bigquery' else none),
    )
}}
with

orders as (select * from {{ ref('int_orders_enriched') }}),

final as (
    select
        {{ surrogate_key(['orders.tenant_id', 'orders.order_id']) }} as order_key,
        orders.tenant_id,
        orders.order_id,
        orders.customer_id,
        orders.order_number,
        orders.status,
        orders.channel,
        orders.currency,
        orders.placed_at,
        orders.order_date,
        orders.order_month,
        orders.is_paid,
        orders.item_count,
        orders.fx_rate_month,
        orders.fx_rate_source,
        orders.gross_revenue_usd,
        orders.discounts_usd,
        orders.shipping_usd,
        orders.tax_usd,
        orders.total_usd,
        orders.refunds_usd,
        orders.net_revenue_usd,
        orders.cost_usd,
        orders.gross_margin_usd,
        orders.customer_order_sequence,
        orders.customer_type,
        orders.fulfilled_at,
        orders.fulfilment_hours,
        orders.is_awaiting_fulfilment
    from orders
)

select * from final
