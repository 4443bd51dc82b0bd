{#- MRR per billing customer and month, for the months it is above zero
    (USD, rounded to 4 decimals once, here, so every mart sums the same values). -#}
with

lines_by_month as (select * from {{ ref('int_mrr_lines_by_month') }}),

customer_months as (
    select
        tenant_id,
        customer_id,
        month,
        cast(round(sum(mrr_usd), 4) as numeric(18, 4)) as mrr
    from lines_by_month
    group by tenant_id, customer_id, month
),

active as (
    select * from customer_months
    where mrr > 0
)

select * from active
