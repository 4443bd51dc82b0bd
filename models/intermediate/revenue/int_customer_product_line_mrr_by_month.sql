{#- MRR per billing customer, product line and month (USD, rounded to 4
    decimals once, like int_customer_mrr_by_month), for the months it is above
    zero. fct_mrr reads it to split an expansion into upsell (more MRR on lines
    the customer already had) and cross-sell (MRR on a line it had not). A
    product without a line is its own line: its id stands in. -#}
with

lines_by_month as (select * from {{ ref('int_mrr_lines_by_month') }}),

products as (select * from {{ ref('stg_billing__products') }}),

lines_with_product_line as (
    select
        lines_by_month.tenant_id,
        lines_by_month.customer_id,
        lines_by_month.month,
        coalesce(products.product_line, lines_by_month.product_id) as product_line,
        lines_by_month.mrr_usd
    from lines_by_month
    left join products
        on lines_by_month.tenant_id = products.tenant_id
        and lines_by_month.product_id = products.product_id
),

product_line_months as (
    select
        tenant_id,
        customer_id,
        product_line,
        month,
        cast(round(sum(mrr_usd), 4) as numeric(18, 4)) as mrr
    from lines_with_product_line
    group by tenant_id, customer_id, product_line, month
),

active as (
    select * from product_line_months
    where mrr > 0
)

select * from active
