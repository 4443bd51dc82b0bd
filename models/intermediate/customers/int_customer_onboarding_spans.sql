{#- The onboarding span of each customer (the entities of dim_customers: every
    billing customer, and every CRM account without one) that went through
    onboarding: from the month its account's first opportunity was won to its
    first month with MRR (exclusive; null while it has none). A customer is
    onboarding in month M when its account was won by M's end and it had no
    MRR yet in M (MRR is measured on a month's last day). Customers already
    paying when their account was first won, and accounts never won, have no
    span. dim_customers reads it for the onboarding stage, mrr_monthly for the
    monthly count. -#}
with

customers as (select * from {{ ref('int_billing_customers_linked') }}),

accounts as (select * from {{ ref('stg_crm__accounts') }}),

opportunities as (select * from {{ ref('int_opportunities_enriched') }}),

customer_mrr as (select * from {{ ref('int_customer_mrr_by_month') }}),

entities as (
    select
        customers.tenant_id,
        customers.customer_id,
        customers.account_id
    from customers
    union all
    select
        accounts.tenant_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        accounts.account_id
    from accounts
    left join customers
        on accounts.tenant_id = customers.tenant_id
        and accounts.account_id = customers.account_id
    where customers.customer_id is null
),

account_wins as (
    select
        tenant_id,
        account_id,
        min(closed_at) as first_won_at
    from opportunities
    where is_won and account_id is not null and closed_at is not null
    group by tenant_id, account_id
),

first_paid as (
    -- months up to the last complete one, as fct_mrr counts them
    select
        tenant_id,
        customer_id,
        min(month) as first_paid_month
    from customer_mrr
    where month <= {{ last_complete_month() }}
    group by tenant_id, customer_id
),

spans as (
    select
        entities.tenant_id,
        entities.customer_id,
        entities.account_id,
        account_wins.first_won_at,
        cast({{ dbt.date_trunc('month', 'account_wins.first_won_at') }} as date) as onboarding_start_month,
        first_paid.first_paid_month as onboarding_end_month
    from entities
    inner join account_wins
        on entities.tenant_id = account_wins.tenant_id
        and entities.account_id = account_wins.account_id
    left join first_paid
        on entities.tenant_id = first_paid.tenant_id
        and entities.customer_id = first_paid.customer_id
),

onboarded as (
    select * from spans
    where onboarding_end_month is null or onboarding_start_month < onboarding_end_month
),

final as (
    select
        -- the key of the customer's row in dim_customers
        {{ surrogate_key(['tenant_id', 'customer_id', "case when customer_id is null then account_id end"]) }}
            as customer_key,
        onboarded.*
    from onboarded
)

select * from final
