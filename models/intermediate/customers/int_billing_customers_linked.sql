{#- Each billing customer linked to its CRM account (current segment, owner,
    name, industry; segment 'unknown' without an account) and to the store
    customer with the same email in the tenant. Links never fan out: when
    several store customers share the email, the earliest registered is
    linked and commerce_customers counts them. -#}
with

customers as (select * from {{ ref('stg_billing__customers') }}),

accounts as (select * from {{ ref('stg_crm__accounts') }}),

commerce_customers as (select * from {{ ref('stg_commerce__customers') }}),

commerce_by_email as (
    select
        tenant_id,
        email,
        customer_id as commerce_customer_id,
        count(*) over (partition by tenant_id, email) as commerce_customers,
        row_number() over (partition by tenant_id, email order by created_at, customer_id) as email_rank
    from commerce_customers
    where email is not null
),

joined as (
    select
        customers.tenant_id,
        customers.customer_id,
        customers.crm_account_id as account_id,
        customers.email,
        customers.currency,
        customers.created_at,
        coalesce(accounts.segment, 'unknown') as segment,
        accounts.owner_user_id,
        accounts.account_name,
        accounts.industry,
        commerce_by_email.commerce_customer_id,
        coalesce(commerce_by_email.commerce_customers, 0) as commerce_customers
    from customers
    left join accounts
        on customers.tenant_id = accounts.tenant_id
        and customers.crm_account_id = accounts.account_id
    left join commerce_by_email
        on customers.tenant_id = commerce_by_email.tenant_id
        and customers.email = commerce_by_email.email
        and commerce_by_email.email_rank = 1
)

select * from joined
