{#- One row per lead with every stage timestamp and the stage-reached flags:
    the one home of the lead stages, which fct_leads publishes and period_kpis
    and the funnel read. A later stage implies the earlier ones
    (docs/contracts/marts.md): a won lead with no first_contacted_at still
    counts as contacted. "customer" means the converted account has a billing
    customer that has had MRR (a month with MRR > 0 through the last complete
    month, the months fct_mrr marks active). Reads staging and intermediate
    models only. -#}
with

leads as (select * from {{ ref('stg_crm__leads') }}),

opportunities as (select * from {{ ref('int_opportunities_enriched') }}),

customers as (select * from {{ ref('int_billing_customers_linked') }}),

customer_mrr as (select * from {{ ref('int_customer_mrr_by_month') }}),

lead_opportunities as (
    select
        tenant_id,
        lead_id,
        count(*) as opportunities,
        min(created_at) as first_opportunity_at,
        min(case when is_won then closed_at end) as won_at,
        max(case when is_won then 1 else 0 end) as has_won,
        max(case when is_open then 1 else 0 end) as has_open,
        max(case when is_lost then 1 else 0 end) as has_lost,
        sum(case when is_won then amount_usd else 0 end) as won_amount_usd
    from opportunities
    where lead_id is not null
    group by tenant_id, lead_id
),

-- an account can have several billing customers: pick one, count them, never fan out
account_customers as (
    select
        customers.tenant_id,
        customers.account_id,
        customers.customer_id,
        count(*) over (partition by customers.tenant_id, customers.account_id) as billing_customers,
        row_number() over (
            partition by customers.tenant_id, customers.account_id
            order by customers.created_at, customers.customer_id
        ) as customer_rank
    from customers
    where customers.account_id is not null
),

-- months with MRR > 0 through the last complete month, as fct_mrr marks them active
paying_accounts as (
    select
        account_customers.tenant_id,
        account_customers.account_id,
        min(customer_mrr.month) as first_paid_month
    from account_customers
    inner join customer_mrr
        on account_customers.tenant_id = customer_mrr.tenant_id
        and account_customers.customer_id = customer_mrr.customer_id
        and customer_mrr.month <= {{ last_complete_month() }}
    group by account_customers.tenant_id, account_customers.account_id
),

facts as (
    select
        leads.tenant_id,
        leads.lead_id,
        leads.lead_source,
        leads.status,
        leads.lead_score,
        leads.owner_user_id,
        leads.email,
        leads.company_name,
        leads.created_at,
        cast({{ dbt.date_trunc('month', 'leads.created_at') }} as date) as cohort_month,
        leads.first_contacted_at,
        leads.qualified_at,
        lead_opportunities.first_opportunity_at as proposal_at,
        lead_opportunities.won_at,
        leads.converted_at,
        leads.converted_account_id as account_id,
        account_customers.customer_id,
        coalesce(account_customers.billing_customers, 0) as billing_customers,
        paying_accounts.first_paid_month,
        coalesce(lead_opportunities.opportunities, 0) as opportunities,
        {{ as_money('coalesce(lead_opportunities.won_amount_usd, 0)') }} as won_amount_usd,
        case
            when lead_opportunities.has_won = 1 then 'won'
            when lead_opportunities.has_open = 1 then 'open'
            when lead_opportunities.has_lost = 1 then 'lost'
        end as opportunity_outcome,
        paying_accounts.account_id is not null as reached_customer_fact,
        coalesce(lead_opportunities.has_won, 0) = 1 as reached_won_fact,
        lead_opportunities.lead_id is not null as reached_proposal_fact
    from leads
    left join lead_opportunities
        on leads.tenant_id = lead_opportunities.tenant_id
        and leads.lead_id = lead_opportunities.lead_id
    left join account_customers
        on leads.tenant_id = account_customers.tenant_id
        and leads.converted_account_id = account_customers.account_id
        and account_customers.customer_rank = 1
    left join paying_accounts
        on leads.tenant_id = paying_accounts.tenant_id
        and leads.converted_account_id = paying_accounts.account_id
),

-- later stages imply the earlier ones
implied_customer as (
    select
        facts.*,
        facts.reached_customer_fact as is_customer,
        facts.reached_won_fact or facts.reached_customer_fact as is_won
    from facts
),

implied_proposal as (
    select
        implied_customer.*,
        implied_customer.reached_proposal_fact or implied_customer.is_won as has_proposal
    from implied_customer
),

implied_qualified as (
    select
        implied_proposal.*,
        implied_proposal.qualified_at is not null or implied_proposal.has_proposal as is_qualified
    from implied_proposal
),

implied_contacted as (
    select
        implied_qualified.*,
        implied_qualified.first_contacted_at is not null or implied_qualified.is_qualified as is_contacted
    from implied_qualified
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'lead_id']) }} as lead_key,
        tenant_id,
        lead_id,
        lead_source,
        status,
        lead_score,
        owner_user_id,
        email,
        company_name,
        created_at,
        cohort_month,
        first_contacted_at,
        qualified_at,
        proposal_at,
        won_at,
        converted_at,
        first_paid_month,
        is_contacted,
        is_qualified,
        has_proposal,
        is_won,
        is_customer,
        opportunities,
        opportunity_outcome,
        won_amount_usd,
        cast({{ dbt.datediff('created_at', 'first_contacted_at', 'hour') }} as {{ dbt.type_bigint() }}) as hours_to_first_contact, -- noqa: LT05
        {{ dbt.datediff('created_at', 'qualified_at', 'day') }} as days_to_qualification, -- noqa: LT05
        {{ dbt.datediff('created_at', 'won_at', 'day') }} as days_lead_to_won, -- noqa: LT05
        account_id,
        customer_id,
        billing_customers
    from implied_contacted
)

select * from final
