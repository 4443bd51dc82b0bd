{#- MRR and ARR per tenant, month and product (the product of each line's
    price), with the customers paying for it. -#}
with

lines_by_month as (select * from {{ ref('int_mrr_lines_by_month') }}),

products as (select * from {{ ref('stg_billing__products') }}),

by_product as (
    select
        lines_by_month.tenant_id,
        lines_by_month.month,
        lines_by_month.product_id,
        cast(round(sum(lines_by_month.mrr_usd), 4) as numeric(18, 4)) as mrr,
        count(distinct lines_by_month.customer_id) as paying_customers
    from lines_by_month
    where lines_by_month.mrr_usd > 0
    group by 1, 2, 3
),

final as (
    select
        {{ surrogate_key(['by_product.tenant_id', 'by_product.month', 'by_product.product_id']) }}
            as tenant_month_product_key,
        by_product.tenant_id,
        by_product.month,
        by_product.product_id,
        products.product_name,
        products.product_line,
        by_product.mrr,
        {{ as_money('by_product.mrr * 12') }} as arr,
        by_product.paying_customers
    from by_product
    left join products
        on by_product.tenant_id = products.tenant_id
        and by_product.product_id = products.product_id
)

select * from final
