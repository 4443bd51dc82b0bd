-- Revenue: ARPA, LTV, CAC and LTV:CAC by month
select month, arpa, ltv, cac, ltv_to_cac
from marts.revenue_unit_economics
where tenant_id = %(tenant_id)s and month >= %(since_month)s
order by month
