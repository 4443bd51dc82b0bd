{#- One row per tenant and customer, unified across sources:
    - every billing customer, with its CRM account (crm_account_id) and, when
      its email matches one within the tenant, the store customer;
    - every CRM account that has no billing customer (stage lead or prospect).
    Links never fan out rows: an account with two billing customers gives two
    customers that share the account; when several store customers share the
    email, the earliest registered is linked and commerce_customers counts
    them. A store customer whose email matches nothing is not a row here (store
    shoppers live in the commerce marts).
    Messaging: the WhatsApp contacts linked to the row's CRM account or store
    customer (contact_engagement, the home of the engagement score), counted,
    with their latest message and their highest engagement score. -#}
with

customers as (select * from {{ ref('int_billing_customers_linked') }}),

accounts as (select * from {{ ref('stg_crm__accounts') }}),

opportunities as (select * from {{ ref('fct_opportunities') }}),

fct_mrr as (select * from {{ ref('fct_mrr') }}),

invoices as (select * from {{ ref('stg_billing__invoices') }}),

account_health as (select * from {{ ref('int_account_health_by_month') }}),

contacts as (select * from {{ ref('contact_engagement') }}),

onboarding as (select * from {{ ref('int_customer_onboarding_spans') }}),

billing_entities as (
    select
        tenant_id,
        customer_id,
        account_id,
        email,
        account_name,
        segment,
        owner_user_id,
        industry,
        created_at,
        commerce_customer_id,
        commerce_customers
    from customers
),

account_only_entities as (
    select
        accounts.tenant_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        accounts.account_id,
        cast(null as {{ dbt.type_string() }}) as email,
        accounts.account_name,
        accounts.segment,
        accounts.owner_user_id,
        accounts.industry,
        accounts.created_at,
        cast(null as {{ dbt.type_string() }}) as commerce_customer_id,
        0 as commerce_customers
    from accounts
    left join customers
        on accounts.tenant_id = customers.tenant_id
        and accounts.account_id = customers.account_id
    where customers.customer_id is null
),

entities as (
    select * from billing_entities
    union all
    select * from account_only_entities
),

keyed_entities as (
    -- the row's key, computed once: the messaging links below join on it
    select
        {{ surrogate_key(['tenant_id', 'customer_id', "case when customer_id is null then account_id end"]) }}
            as customer_key,
        entities.*
    from entities
),

entity_contact_links as (
    -- a contact links through its CRM account or its store customer; one linked both ways
    -- matches once. Two equality joins: one join on "account or customer" compares every
    -- customer with every contact of the tenant
    select
        keyed_entities.customer_key,
        keyed_entities.tenant_id,
        contacts.contact_id
    from keyed_entities
    inner join contacts
        on keyed_entities.tenant_id = contacts.tenant_id
        and keyed_entities.account_id = contacts.crm_account_id
    union distinct
    select
        keyed_entities.customer_key,
        keyed_entities.tenant_id,
        contacts.contact_id
    from keyed_entities
    inner join contacts
        on keyed_entities.tenant_id = contacts.tenant_id
        and keyed_entities.commerce_customer_id = contacts.commerce_customer_id
),

entity_contacts as (
    select
        entity_contact_links.customer_key,
        contacts.contact_id,
        contacts.last_message_at,
        contacts.engagement_score
    from entity_contact_links
    inner join contacts
        on entity_contact_links.tenant_id = contacts.tenant_id
        and entity_contact_links.contact_id = contacts.contact_id
),

entity_messaging as (
    -- the customer is as engaged as its most engaged contact
    select
        customer_key,
        count(*) as messaging_contacts,
        max(last_message_at) as last_message_at,
        max(engagement_score) as messaging_engagement_score
    from entity_contacts
    group by customer_key
),

mrr_summary as (
    select
        tenant_id,
        customer_id,
        min(case when is_active then month end) as first_paid_month,
        max(case when is_active then month end) as last_paid_month,
        max(case when month = {{ last_complete_month() }} then mrr else 0 end) as current_mrr,
        max(case when movement = 'churn' then month end) as last_churn_month,
        max(case when movement = 'reactivation' then 1 else 0 end) as has_reactivated
    from fct_mrr
    group by tenant_id, customer_id
),

lifetime_revenue as (
    select
        invoices.tenant_id,
        invoices.customer_id,
        sum({{ to_usd('invoices.amount_paid') }}) as lifetime_revenue_usd
    from invoices
    {{ fx_rates_join('invoices.currency', 'cast(' ~ dbt.date_trunc('month', 'invoices.paid_at') ~ ' as date)') }}
    where invoices.status = 'paid'
    group by invoices.tenant_id, invoices.customer_id
),

latest_health as (
    select
        tenant_id,
        account_id,
        health_score,
        scored_on,
        health_band,
        row_number() over (partition by tenant_id, account_id order by month desc) as score_rank
    from account_health
),

account_pipeline as (
    select distinct
        tenant_id,
        account_id
    from opportunities
    where account_id is not null
),

joined as (
    select
        keyed_entities.*,
        mrr_summary.first_paid_month,
        mrr_summary.last_paid_month,
        {{ as_money('coalesce(mrr_summary.current_mrr, 0)') }} as current_mrr,
        {{ as_money('coalesce(lifetime_revenue.lifetime_revenue_usd, 0)') }} as lifetime_revenue,
        latest_health.health_score as latest_health_score,
        latest_health.scored_on as latest_scored_on,
        latest_health.health_band as latest_health_band,
        case
            when keyed_entities.customer_id is null and account_pipeline.account_id is not null then 'prospect'
            when keyed_entities.customer_id is null then 'lead'
            when mrr_summary.current_mrr > 0 and mrr_summary.has_reactivated = 1 then 'reactivated'
            when mrr_summary.current_mrr > 0 then 'active'
            when mrr_summary.first_paid_month is not null then 'churned'
            else 'prospect'
        end as lifecycle_stage,
        -- won (its account's first opportunity closed won) and no month with MRR yet: a flag beside
        -- the contract's five stages, not a sixth stage a dashboard filtering on them would miss
        coalesce(mrr_summary.first_paid_month is null and onboarding.account_id is not null, false)
            as is_onboarding,
        mrr_summary.last_churn_month,
        coalesce(entity_messaging.messaging_contacts, 0) as messaging_contacts,
        entity_messaging.last_message_at,
        entity_messaging.messaging_engagement_score
    from keyed_entities
    left join mrr_summary
        on keyed_entities.tenant_id = mrr_summary.tenant_id
        and keyed_entities.customer_id = mrr_summary.customer_id
    left join lifetime_revenue
        on keyed_entities.tenant_id = lifetime_revenue.tenant_id
        and keyed_entities.customer_id = lifetime_revenue.customer_id
    left join latest_health
        on keyed_entities.tenant_id = latest_health.tenant_id
        and keyed_entities.account_id = latest_health.account_id
        and latest_health.score_rank = 1
    left join account_pipeline
        on keyed_entities.tenant_id = account_pipeline.tenant_id
        and keyed_entities.account_id = account_pipeline.account_id
    left join entity_messaging
        on keyed_entities.customer_key = entity_messaging.customer_key
    left join onboarding
        on keyed_entities.tenant_id = onboarding.tenant_id
        and keyed_entities.account_id = onboarding.account_id
        and coalesce(keyed_entities.customer_id, '') = coalesce(onboarding.customer_id, '')
),

final as (
    select
        customer_key,
        tenant_id,
        customer_id,
        account_id,
        commerce_customer_id,
        commerce_customers,
        email,
        account_name,
        industry,
        segment,
        owner_user_id,
        created_at,
        lifecycle_stage,
        is_onboarding,
        first_paid_month,
        last_paid_month,
        case when lifecycle_stage = 'churned' then last_churn_month end as churned_at,
        current_mrr,
        lifetime_revenue,
        latest_health_score,
        latest_scored_on,
        latest_health_band,
        messaging_contacts,
        last_message_at,
        messaging_engagement_score
    from joined
)

select * from final
