# /etc/bash.bashrc: read by every interactive bash (and by /etc/profile for login ones).
[ -z "${PS1:-}" ] && return
# user@host:working-directory$ (or # for root)
PS1='\u@\h:\w\$ '
HISTSIZE=1000
shopt -s checkwinsize histappend
alias ls='ls --color=auto' grep='grep --color=auto' ll='ls -l'
