{#- Health distribution per tenant and month: accounts by band (from each
    account's last score of the month), average score, at-risk accounts
    (at_risk or critical) and their MRR, and the month's expansion and
    contraction MRR read from mrr_monthly. -#}
with

account_health as (select * from {{ ref('int_account_health_by_month') }}),

customers as (select * from {{ ref('int_billing_customers_linked') }}),

fct_mrr as (select * from {{ ref('fct_mrr') }}),

mrr_monthly as (select * from {{ ref('mrr_monthly') }}),

account_mrr as (
    select
        customers.tenant_id,
        customers.account_id,
        fct_mrr.month,
        sum(fct_mrr.mrr) as mrr
    from customers
    inner join fct_mrr
        on customers.tenant_id = fct_mrr.tenant_id
        and customers.customer_id = fct_mrr.customer_id
    group by customers.tenant_id, customers.account_id, fct_mrr.month
),

banded as (
    select
        account_health.tenant_id,
        account_health.month,
        account_health.account_id,
        account_health.health_score,
        account_health.health_band,
        coalesce(account_mrr.mrr, 0) as mrr
    from account_health
    left join account_mrr
        on account_health.tenant_id = account_mrr.tenant_id
        and account_health.account_id = account_mrr.account_id
        and account_health.month = account_mrr.month
),

distribution as (
    select
        tenant_id,
        month,
        count(*) as scored_accounts,
        sum(case when health_band = 'healthy' then 1 else 0 end) as healthy_accounts,
        sum(case when health_band = 'stable' then 1 else 0 end) as stable_accounts,
        sum(case when health_band = 'at_risk' then 1 else 0 end) as at_risk_accounts,
        sum(case when health_band = 'critical' then 1 else 0 end) as critical_accounts,
        avg(cast(health_score as {{ type_double() }})) as average_health_score,
        {{ as_money("sum(case when health_band in ('at_risk', 'critical') then mrr else 0 end)") }} as at_risk_mrr
    from banded
    group by tenant_id, month
),

final as (
    select
        {{ surrogate_key(['distribution.tenant_id', 'distribution.month']) }} as tenant_month_key,
        distribution.*,
        mrr_monthly.expansion_mrr,
        mrr_monthly.contraction_mrr
    from distribution
    left join mrr_monthly
        on distribution.tenant_id = mrr_monthly.tenant_id
        and distribution.month = mrr_monthly.month
    where distribution.month <= {{ last_complete_month() }}
)

select * from final
