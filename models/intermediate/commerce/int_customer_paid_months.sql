{#- Each store customer's months with at least one paid order, their net
    revenue and gross margin in the month, the customer's cohort (month of the first paid
    order) and acquisition channel. Guest orders have no customer and no cohort. -#}
with

orders as (select * from {{ ref('int_orders_enriched') }}),

customers as (select * from {{ ref('stg_commerce__customers') }}),

paid_months as (
    select
        tenant_id,
        customer_id,
        order_month as activity_month,
        count(*) as paid_orders,
        sum(net_revenue_usd) as net_revenue_usd,
        -- an order whose cost is unknown has no margin: it adds nothing here, never 100 %
        sum(gross_margin_usd) as gross_margin_usd
    from orders
    where is_paid and customer_id is not null
    group by tenant_id, customer_id, order_month
),

with_cohort as (
    select
        paid_months.*,
        min(paid_months.activity_month) over (
            partition by paid_months.tenant_id, paid_months.customer_id
        ) as cohort_month
    from paid_months
),

final as (
    select
        with_cohort.tenant_id,
        with_cohort.customer_id,
        with_cohort.cohort_month,
        with_cohort.activity_month,
        cast({{ dbt.datediff('with_cohort.cohort_month', 'with_cohort.activity_month', 'month') }} as {{ dbt.type_bigint() }}) as month_number, -- noqa: LT05
        coalesce(customers.acquisition_channel, 'unknown') as acquisition_channel,
        with_cohort.paid_orders,
        with_cohort.net_revenue_usd,
        with_cohort.gross_margin_usd
    from with_cohort
    left join customers
        on with_cohort.tenant_id = customers.tenant_id
        and with_cohort.customer_id = customers.customer_id
)

select * from final
