{#- Each billing customer with its CRM account's segment and owner (the
    current values; history is in snap_crm__accounts). Customers without a
    CRM account, or whose account is missing, get segment 'unknown'. -#}
with

customers as (select * from {{ ref('stg_billing__customers') }}),

accounts as (select * from {{ ref('stg_crm__accounts') }}),

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
        accounts.industry
    from customers
    left join accounts
        on customers.tenant_id = accounts.tenant_id
        and customers.crm_account_id = accounts.account_id
)

select * from joined
